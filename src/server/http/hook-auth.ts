// The agents' hook routes (POST /api/hooks/<agent kind>/:instanceId) take no token: each instance's hooks carry that
// instance's own secret. An unknown instance and a wrong secret get the same answer, so that the route does not tell
// which instance ids are live; the comparison is constant-time either way.
import { ApiError } from './errors.js';
import { sameSecret } from './auth.js';

const REFUSED = () => new ApiError(401, 'unauthorized', 'unknown instance or wrong hook secret');

/** Returns the instance's driver when `given` is its secret; throws the one 401 otherwise. */
export function checkHookSecret<D>(target: { driver: D; secret: string } | undefined, given: unknown): D {
  const secret = target?.secret ?? 'no instance: compared anyway, to take the same time';
  const ok = typeof given === 'string' && sameSecret(given, secret);
  if (!target || !ok) throw REFUSED();
  return target.driver;
}
