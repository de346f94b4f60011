export const options = { scenarios: { s: { executor: 'warp-speed', vus: 1 } } };
export default function () {}
