namespace EmailRelay.Data;

/// <summary>A message's outbox columns: when a command is next owed, and when the current one was handed to the broker.</summary>
public readonly record struct DispatchState(DateTimeOffset? NextDispatchAt, DateTimeOffset? DispatchedAt);
