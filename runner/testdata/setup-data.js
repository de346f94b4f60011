// handleSummary's data carries what setup() returned as setup_data (k6's js/summary.go).
export function setup() { return { eventId: 'e-1', startAt: 42 }; }
export default function () {}
export function handleSummary(data) { return { stdout: JSON.stringify({ setup_data: data.setup_data, has: 'setup_data' in data }) }; }
