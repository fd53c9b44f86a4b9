// The one error type of the PromQL room; `type` maps onto the Prometheus API errorType
// (bad_data -> 400, execution -> 422, timeout/canceled -> 503, internal -> 500).
export class PromQLError extends Error {
  constructor(
    readonly type: 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal',
    message: string,
  ) {
    super(message);
    this.name = 'PromQLError';
  }
}
