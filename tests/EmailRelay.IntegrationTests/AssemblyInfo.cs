// The fault tests stop RabbitMQ and kill processes: one test at a time keeps them from hitting
// each other's stacks.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
