using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EmailRelay.Api.Emails;

public sealed record AcceptedEmail(Guid Id, string Status, IReadOnlyList<AcceptedRecipient> Recipients);

public sealed record AcceptedRecipient(string Email, string Status);

public sealed record BatchResponse(IReadOnlyList<BatchItem> Data);

public sealed record BatchItem(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status,
    // object, so the serializer writes the runtime type: a validation problem keeps its errors.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Error);

public sealed record EmailDetails(
    Guid Id, string Status, DateTime CreatedAt, DateTime? SendAt, string From, string Subject, string MessageId,
    string[] Tags, JsonElement Metadata, IReadOnlyList<RecipientDetails> Recipients, IReadOnlyList<JsonObject> Events);

public sealed record RecipientDetails(
    string Email, string Kind, string Status, int Attempts, int? LastReplyCode, string? LastEnhancedCode, string? LastReply,
    DateTime? DeliveredAt, DateTime? NextAttemptAt, string? BounceReason);

public sealed record AttemptDetails(
    string Recipient, int Attempt, DateTime StartedAt, string? RemoteHost, string? RemoteIp, bool Tls, int? ReplyCode,
    string? EnhancedCode, string? Reply, int DurationMs, string Outcome, bool Ambiguous);

public sealed record EmailSummary(
    Guid Id, string Status, DateTime CreatedAt, DateTime? SendAt, string From, string Subject, string[] Tags, int RecipientCount);

public sealed record Page<T>(IReadOnlyList<T> Data, [property: JsonPropertyName("next_cursor")] string? NextCursor);

public sealed record DataList<T>(IReadOnlyList<T> Data);
