import { Counter } from 'k6/metrics';
const c = new Counter('bad-name');
export default function () { c.add(1); }
