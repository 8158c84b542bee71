// Reads Pitwall's Statuspage-compatible API through npm's `statuspage.io` client (pointed at
// Pitwall with setApiUrl) and prints everything it got as JSON, one key per call.
//
// Environment: PITWALL_URL.
import statuspage from 'statuspage.io';

const client = new statuspage.Statuspage('pitwall');
client.setApiUrl(process.env.PITWALL_URL);
const api = client.api;
const read = {
  summary: await api.getSummary(),
  status: await api.getStatus(),
  components: await api.getComponents(),
  incidents: await api.incidents.getAll(),
  unresolved: await api.incidents.getUnresolved(),
  maintenances: await api.scheduledMaintenances.getAll(),
  upcoming: await api.scheduledMaintenances.getUpcoming(),
  active: await api.scheduledMaintenances.getActive(),
};
console.log(JSON.stringify(read));
