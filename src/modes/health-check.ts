/** One check of `health`: whether it passed, why not, and what it saw. */
export interface HealthCheck {
  ok: boolean;
  error?: string;
  [detail: string]: unknown;
}
