// @ts-check
// The handler of the example queue: called as handler.call(services, request, context).
/** @type {import('mailroom').Handler<{ hello: string, world?: string }>} */
module.exports = async function (message, context) {
  this.logger.info(`greeting ${message.hello}`, { attempt: context.attempt });
  return { result: `hello ${message.hello}${message.world ? ` and ${message.world}` : ''}` };
};
