// every app a test starts (in this process or a child that inherits the environment) keeps the SQS listener off unless the test asks for it
process.env.SQS_PORT ??= '0';
