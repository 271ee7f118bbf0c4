using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EmailRelay.Webhooks;
using Microsoft.Extensions.Options;

namespace EmailRelay.Tracking.Webhooks;

/// <summary>
/// Makes one signed POST to an endpoint and reports what came of it, never throwing for anything
/// the endpoint or the network did. Connections are made only through the SSRF guard's
/// <see cref="WebhookAddressGuard.ConnectAsync"/>; redirects are not followed; no proxy is used
/// (a proxy would connect on our behalf, past the guard).
/// </summary>
public sealed class WebhookClient : IDisposable
{
    public const int ExcerptBytes = 1024;
    public static readonly string UserAgent = "EmailRelay-Webhooks/1.0";

    private readonly HttpClient _http;
    private readonly WebhookAddressGuard _guard;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public WebhookClient(WebhookAddressGuard guard, IOptions<WebhookDeliveryOptions> options, TimeProvider time)
    {
        _guard = guard;
        _timeout = options.Value.Timeout;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = guard.ConnectAsync,
            ConnectTimeout = _timeout,
            // A pooled connection keeps the address it was checked on; re-resolve (and re-check) now and then.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
    }

    /// <param name="webhookId">The webhook-id header, the same on every attempt of a delivery.</param>
    /// <param name="keys">The signing keys: the current secret's, then the previous one's during a rotation.</param>
    public async Task<AttemptResult> SendAsync(string url, string webhookId, ReadOnlyMemory<byte> body, IReadOnlyList<byte[]> keys,
        CancellationToken cancellationToken)
    {
        var attemptedAt = _time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        TimeSpan Elapsed() => Stopwatch.GetElapsedTime(started);

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return new AttemptResult(AttemptOutcome.Refused, attemptedAt, Elapsed(), Error: "refused: the URL is not absolute");
        }
        if (WebhookUrlRules.Scheme(uri, _guard.AllowPrivateNetworks) is { } schemeError)
        {
            return new AttemptResult(AttemptOutcome.Refused, attemptedAt, Elapsed(), Error: "refused: " + schemeError);
        }
        var timestamp = attemptedAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSigner.IdHeader, webhookId);
        request.Headers.TryAddWithoutValidation(WebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSigner.SignatureHeader, WebhookSigner.Header(webhookId, timestamp, body.Span, keys));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var duration = Elapsed();
            var excerpt = await ExcerptAsync(response, timeout.Token);
            return Classify(response, attemptedAt, duration, excerpt);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(AttemptOutcome.TimedOut, attemptedAt, Elapsed(), Error: $"no response within {_timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex) when (Find<WebhookAddressRefusedException>(ex) is { } refused)
        {
            return new AttemptResult(AttemptOutcome.Refused, attemptedAt, Elapsed(), Error: "refused: " + refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(AttemptOutcome.NetworkError, attemptedAt, Elapsed(), Error: Describe(ex));
        }
        catch (IOException ex)
        {
            // The response body broke off while its first bytes were read.
            return new AttemptResult(AttemptOutcome.NetworkError, attemptedAt, Elapsed(), Error: ex.Message);
        }
    }

    private AttemptResult Classify(HttpResponseMessage response, DateTimeOffset attemptedAt, TimeSpan duration, string? excerpt)
    {
        var code = (int)response.StatusCode;
        var status = $"HTTP {code}{(string.IsNullOrEmpty(response.ReasonPhrase) ? "" : " " + response.ReasonPhrase)}";
        return code switch
        {
            >= 200 and < 300 => new AttemptResult(AttemptOutcome.Succeeded, attemptedAt, duration, code, null, excerpt),
            410 => new AttemptResult(AttemptOutcome.Gone, attemptedAt, duration, code, status + ": the endpoint is disabled", excerpt),
            429 or 503 => new AttemptResult(AttemptOutcome.Throttled, attemptedAt, duration, code, status, excerpt,
                RetryAfter.Parse(response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null, _time.GetUtcNow())),
            >= 300 and < 400 => new AttemptResult(AttemptOutcome.Redirected, attemptedAt, duration, code,
                $"{status}: redirects are not followed{(response.Headers.Location is { } to ? $" (to {Truncate(to.OriginalString, 300)})" : "")}; update the endpoint's URL", excerpt),
            _ => new AttemptResult(AttemptOutcome.Rejected, attemptedAt, duration, code, status, excerpt),
        };
    }

    /// <summary>The first <see cref="ExcerptBytes"/> of the body as text; the rest is never read.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ExcerptBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        if (length == 0)
        {
            return null;
        }
        // PostgreSQL text holds no NUL; a multi-byte character cut at the end becomes U+FFFD.
        return Encoding.UTF8.GetString(buffer, 0, length).Replace('\0', '\uFFFD');
    }

    private static string Describe(HttpRequestException ex)
    {
        var inner = ex.InnerException is { } cause && cause.Message != ex.Message ? ": " + cause.Message : "";
        return $"{ex.HttpRequestError}: {ex.Message}{inner}";
    }

    private static T? Find<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";

    public void Dispose() => _http.Dispose();
}
