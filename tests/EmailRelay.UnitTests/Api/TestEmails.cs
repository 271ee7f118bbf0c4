using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using Microsoft.Extensions.Time.Testing;

namespace EmailRelay.UnitTests.Api;

/// <summary>A valid request to start from, and short ways to validate one.</summary>
internal static class TestEmails
{
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static SendEmailRequest Request() => new()
    {
        From = "Acme <no-reply@acme.example>",
        To = ["ana@example.net"],
        Subject = "Your receipt",
        Text = "plain body",
    };

    public static ValidationResult<ValidatedEmail> Validate(SendEmailRequest request) =>
        new EmailValidator(new FakeTimeProvider(Now)).Validate(request);

    /// <summary>The errors of a request that must be invalid.</summary>
    public static Dictionary<string, string[]> Errors(SendEmailRequest request)
    {
        var result = Validate(request);
        Assert.False(result.IsValid, "the request was expected to be invalid");
        Assert.Null(result.Value);
        return result.Errors!.ToDictionary();
    }

    /// <summary>The validated email of a request that must be valid.</summary>
    public static ValidatedEmail Valid(SendEmailRequest request)
    {
        var result = Validate(request);
        Assert.True(result.IsValid, result.Errors is null
            ? "invalid"
            : string.Join("; ", result.Errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return result.Value!;
    }

    public static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
}
