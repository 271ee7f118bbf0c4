namespace EmailRelay.Api.OpenApi;

/// <summary>A problem answer particular to one route (a state that forbids the action), with what it means there.</summary>
public sealed record ProblemResponseMetadata(int StatusCode, string Description);
