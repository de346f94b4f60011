import crypto from 'k6/crypto';
export default function () { crypto.md5('x', 'hex'); }
