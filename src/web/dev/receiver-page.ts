import { html } from 'hono/html';
import type { Delivery } from '../../subscriptions/demo-receiver.js';
import { page } from '../layout.js';

const topicOf = (canonical: string | undefined) => canonical?.split('/').pop() ?? '';

/** Development only: the deliveries the demo receiver got, newest first. */
export function receiverPage(deliveries: readonly Delivery[], receivers: readonly string[]) {
  return page({
    title: 'Demo receiver',
    area: 'public',
    body: html`<h1>Demo receiver</h1>
      <p>
        Development only. Notifications the gateway delivered to the demo clinics' endpoints (${receivers.join(', ')}), newest first, each with whether its
        Standard Webhooks signature verified with the subscription's secret. The demo ADT feed sends a visit every few seconds; reload to see new ones.
      </p>
      ${
        deliveries.length === 0
          ? html`<p>Nothing received yet.</p>`
          : html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="deliveries-1">
              <table>
                <caption id="deliveries-1">
                  Deliveries received
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Received</th>
                    <th scope="col">Receiver</th>
                    <th scope="col">Type</th>
                    <th scope="col">Topic</th>
                    <th scope="col">Event numbers</th>
                    <th scope="col">Focus</th>
                    <th scope="col">Signature</th>
                  </tr>
                </thead>
                <tbody>
                  ${deliveries.map(
                    (d) =>
                      html`<tr>
                        <td>${d.receivedAt}</td>
                        <td>${d.receiver}</td>
                        <td>${d.type ?? ''}</td>
                        <td>${topicOf(d.topic)}</td>
                        <td>${d.events.map((e) => e.eventNumber).join(', ')}</td>
                        <td>${d.events.map((e) => e.focus ?? '').join(' ')}</td>
                        <td>${d.signatureOk ? 'ok' : 'FAILED'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`,
  });
}
