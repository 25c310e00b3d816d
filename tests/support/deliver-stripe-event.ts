// A webhook delivery in a process of its own, for tests that kill it mid-delivery (kill -9): verifies
// and applies the signed event given as JSON in argv[2] through lib/billing's webhook entry, exactly
// as the route does after reading the body, then prints the result as one line of JSON.
//   tsx --conditions=react-server tests/support/deliver-stripe-event.ts '<event JSON>'
import { receiveStripeEvent } from "../../lib/billing";
import { disconnectDb } from "../../lib/db";
import { stopJobProducer } from "../../lib/jobs";
import { signatureFor } from "./stripe-events";

const payload = process.argv[2];
if (!payload) throw new Error("usage: deliver-stripe-event.ts '<event JSON>'");
try {
  const result = await receiveStripeEvent(payload, signatureFor(payload));
  console.log(JSON.stringify(result));
} finally {
  await stopJobProducer();
  await disconnectDb();
}
