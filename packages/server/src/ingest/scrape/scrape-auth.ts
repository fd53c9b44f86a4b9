// The Authorization header of a scrape job (basic_auth, authorization, bearer_token[_file]).
// Secret files are read at every scrape, like Prometheus, so rotated credentials apply
// without a restart; a file that cannot be read fails the scrape with the reason.
import { readFileSync } from 'node:fs';
import type { ScrapeConfig } from '../../config/prometheus-schema.js';

function readSecret(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`unable to read ${what} file ${path}: ${(err as Error).message}`);
  }
}

/** Undefined when the job has no authentication; throws when a secret file is unreadable. */
export function authorizationHeader(job: ScrapeConfig): string | undefined {
  if (job.basic_auth) {
    const password = job.basic_auth.password_file !== undefined ? readSecret(job.basic_auth.password_file, 'basic auth password') : (job.basic_auth.password ?? '');
    return `Basic ${Buffer.from(`${job.basic_auth.username}:${password}`).toString('base64')}`;
  }
  if (job.authorization) {
    const a = job.authorization;
    const credentials = a.credentials_file !== undefined ? readSecret(a.credentials_file, 'authorization credentials') : (a.credentials ?? '');
    return `${a.type} ${credentials}`;
  }
  if (job.bearer_token !== undefined) return `Bearer ${job.bearer_token}`;
  if (job.bearer_token_file !== undefined) return `Bearer ${readSecret(job.bearer_token_file, 'bearer token')}`;
  return undefined;
}
