namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>Request bodies for the tests; each call makes addresses unique so tests never see each other's mail.</summary>
public static class Emails
{
    public static string Unique(string local, string domain = "example.net") => $"{local}-{Guid.NewGuid().ToString("N")[..8]}@{domain}";

    public static Dictionary<string, object?> Simple(params string[] to) => new()
    {
        ["from"] = "Acme <no-reply@acme.example>",
        ["to"] = to,
        ["subject"] = "Test message",
        ["text"] = "Hello from the integration tests.",
    };
}
