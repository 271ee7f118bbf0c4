using System.Text.Json;
using System.Text.Json.Nodes;

namespace EmailRelay.Api.Emails;

/// <summary><c>GET /v1/emails/{id}</c>: the email, its recipients and its timeline.</summary>
public sealed record EmailDetails(
    Guid Id, string Status, DateTime CreatedAt, DateTime? SendAt, string From, string Subject, string MessageId,
    string[] Tags, JsonElement Metadata, IReadOnlyList<RecipientDetails> Recipients, IReadOnlyList<JsonObject> Events);
