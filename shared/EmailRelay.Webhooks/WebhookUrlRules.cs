namespace EmailRelay.Webhooks;

/// <summary>
/// What a webhook URL may look like, before any address is looked up: absolute, https (http only
/// where private networks are allowed: in-cluster receivers and tests), no user information (a
/// credential in a URL ends up in logs), no fragment (never sent, so it means nothing), at most
/// <see cref="MaxLength"/> characters.
/// </summary>
public static class WebhookUrlRules
{
    public const int MaxLength = 2048;

    /// <returns>The parsed URL, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static Uri? Parse(string? url, bool allowHttp, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(url))
        {
            error = "An absolute https URL is required.";
            return null;
        }
        if (url.Length > MaxLength)
        {
            error = $"The URL is longer than {MaxLength} characters.";
            return null;
        }
        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)))
        {
            error = "The URL contains spaces or control characters; percent-encode them.";
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc || string.IsNullOrEmpty(uri.Host))
        {
            error = "Not an absolute URL such as https://example.com/webhooks.";
            return null;
        }
        error = Scheme(uri, allowHttp);
        if (error is not null)
        {
            return null;
        }
        if (uri.UserInfo.Length > 0)
        {
            error = "The URL must not contain user information (user:password@); authenticate the webhook by its signature.";
            return null;
        }
        if (url.Contains('#', StringComparison.Ordinal))
        {
            error = "The URL must not contain a fragment (#...).";
            return null;
        }
        return uri;
    }

    /// <summary>The scheme rule alone, which the dispatcher applies again at send time.</summary>
    public static string? Scheme(Uri uri, bool allowHttp)
    {
        if (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && allowHttp))
        {
            return null;
        }
        return uri.Scheme == Uri.UriSchemeHttp
            ? "The URL must be https://; http:// is allowed only with Webhooks__AllowPrivateNetworks."
            : "The URL must be https://.";
    }
}
