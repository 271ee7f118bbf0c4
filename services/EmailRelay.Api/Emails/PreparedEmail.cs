namespace EmailRelay.Api.Emails;

/// <summary>A validated request with its id and built MIME: everything needed to store it.</summary>
public sealed record PreparedEmail(Guid Id, ValidatedEmail Email, ComposedMessage Message, DateTimeOffset CreatedAt)
{
    public bool IsScheduled => Email.SendAt is not null;
    public string InitialStatus => IsScheduled ? "scheduled" : "queued";
}

