// auth: verifies demo bearer tokens ("demo-token-<user>").
import { addSpanEvent, counter } from '@sightline/sdk';
import { HttpError, sleep, startService } from '../lib/service.mjs';

const verifications = counter('shop.auth.verifications', { unit: '{verification}' });

await startService({
  name: 'auth',
  routes: {
    'POST /verify': async ({ body, log }) => {
      await sleep(2 + Math.random() * 5);
      const token = String(body.token ?? '');
      const ok = token.startsWith('demo-token-');
      verifications.add(1, { outcome: ok ? 'ok' : 'rejected' });
      // The token is logged under a sensitive key on purpose: the SDK redacts it.
      log.debug('verifying token', { token });
      if (!ok) throw new HttpError(401, 'SL_ERR_UNAUTHENTICATED', 'invalid token');
      const userId = token.slice('demo-token-'.length);
      addSpanEvent('auth.verified', { 'enduser.id': userId });
      return { userId, scopes: ['shop:buy'] };
    },
  },
});
