// @ts-check
// An Elemental-style handler using all eight services. Try it locally with the services stubbed:
//   CONFIG_DIR=docs/examples/config npm run handler -- --file docs/examples/config/queues/orders.queue.js --message '{"orderId":"A-1","total":250}'

/** @type {import('mailroom').Handler<{ orderId: string, total: number }>} */
module.exports = async function (order, context) {
  const sender = await this.idmService.getSender();
  /** @type {Record<string, unknown>} */
  const user = sender.subject ? await this.idmService.getUserInfo(sender.subject).catch(() => ({})) : {};

  const details = await this.integrationService.call('orders-api', { path: `/orders/${encodeURIComponent(order.orderId)}` });
  const decisions = await this.rulesetService.evaluate('order-routing', {
    total: order.total,
    customer: { tier: user.tier ?? 'standard' },
  });

  if (decisions.some((d) => d.type === 'review')) {
    const billing = this.serviceProvider.get('orders-api');
    await billing.request({ method: 'POST', path: '/reviews', body: { orderId: order.orderId, requestedBy: sender.subject } });
  }

  const seen = /** @type {number} */ ((await this.storageService.get('orders-seen')) ?? 0) + 1;
  await this.storageService.set('orders-seen', seen);
  await this.messagingService.queueMessage('hello', { hello: `order ${order.orderId}` });

  this.logger.info('order routed', { orderId: order.orderId, decisions: decisions.map((d) => d.type), attempt: context.attempt });
  return {
    orderId: order.orderId,
    status: details.status,
    decisions: decisions.map((d) => d.type),
    region: this.environmentService.getEnvironmentVariable('REGION') ?? null,
    tokenReady: (await this.authClientProvider.getAccessToken()).length > 0,
    seen,
  };
};
