// Evaluates flags through the real SDKs apps use — OpenFeature with the OFREP provider, and
// Unleash's Node client — against a running Pitwall, and prints what each answered as JSON.
//
// Environment: PITWALL_URL, PITWALL_TOKEN (flags:read), FLAG (boolean), VARIANT_FLAG, USERS.
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { startUnleash } from 'unleash-client';

const base = process.env.PITWALL_URL;
const token = process.env.PITWALL_TOKEN;
const flag = process.env.FLAG;
const variantFlag = process.env.VARIANT_FLAG;
const users = Number(process.env.USERS ?? 10000);
const ids = Array.from({ length: users }, (_, i) => `user-${i}`);

await OpenFeature.setProviderAndWait(
  new OFREPProvider({ baseUrl: base, headers: [['Authorization', `Bearer ${token}`]] }),
);
const openFeature = OpenFeature.getClient();

// Concurrent, but bounded: one OFREP request per evaluation.
async function mapLimited(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

const ofrepErrors = [];
const ofrep = await mapLimited(ids, 32, async (id) => {
  const details = await openFeature.getBooleanDetails(flag, false, { targetingKey: id });
  if (details.errorCode) ofrepErrors.push(details.errorCode);
  return details.value;
});
const ofrepVariants = await mapLimited(ids.slice(0, 500), 32, async (id) =>
  openFeature.getStringValue(variantFlag, 'fallback', { targetingKey: id }),
);

const unleash = await startUnleash({
  url: `${base}/api`,
  appName: 'pitwall-sdk-test',
  customHeaders: { Authorization: token },
  refreshInterval: 60_000,
  metricsInterval: 60_000,
});
const unleashAnswers = ids.map((id) => unleash.isEnabled(flag, { userId: id }));
const unleashVariants = ids.slice(0, 500).map((id) => {
  const variant = unleash.getVariant(variantFlag, { userId: id });
  return variant.payload ? variant.payload.value : variant.name;
});
await unleash.destroyWithFlush();
await OpenFeature.close();

console.log(
  JSON.stringify({
    ofrep,
    ofrepErrors,
    unleash: unleashAnswers,
    ofrepVariants,
    unleashVariants,
  }),
);
