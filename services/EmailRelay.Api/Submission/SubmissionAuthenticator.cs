using System.Security.Cryptography;
using EmailRelay.Api.Auth;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;

namespace EmailRelay.Api.Submission;

/// <summary>
/// AUTH PLAIN / LOGIN: user name <c>apikey</c>, password an API key with <c>emails:send</c> (or
/// <c>admin</c>, which implies it), looked up exactly as the HTTP bearer key is — by hash, on
/// every login, so a revoked key stops working at once. Failed logins count per client address
/// in PostgreSQL; past the limit AUTH is refused without looking at the key.
/// </summary>
public sealed partial class SubmissionAuthenticator(
    ApiKeyStore keys,
    FailedAuthStore failures,
    IOptions<AuthOptions> authOptions,
    ILogger<SubmissionAuthenticator> logger) : IUserAuthenticator
{
    public const string UserName = "apikey";

    private readonly byte[]? _bootstrapHash = authOptions.Value.BootstrapKey is { } key ? ApiKeyFormat.Hash(key) : null;

    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        var address = SubmissionSession.RemoteAddress(context);
        ApiCaller? caller;
        try
        {
            if (await failures.IsBlockedAsync(address, cancellationToken))
            {
                LogBlocked(logger, address);
                throw new SmtpResponseException(SubmissionReplies.TooManyFailedLogins);
            }
            caller = string.Equals(user, UserName, StringComparison.Ordinal) && !string.IsNullOrEmpty(password)
                ? await FindAsync(password, cancellationToken)
                : null;
            if (caller is null)
            {
                await failures.RecordFailureAsync(address, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            LogUnavailable(logger, ex.GetType().Name, ex.Message);
            throw new SmtpResponseException(SubmissionReplies.AuthenticationUnavailable);
        }
        if (caller is null)
        {
            LogFailed(logger, address);
            throw new SmtpResponseException(SubmissionReplies.InvalidCredentials);
        }
        SubmissionSession.SetCaller(context, caller);
        return true;
    }

    private async Task<ApiCaller?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(key.Trim());
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return new ApiCaller(ApiKeyAuthenticationHandler.BootstrapKeyId, null, null);
        }
        var found = await keys.FindActiveAsync(hash, cancellationToken);
        return found is not null && (found.Scopes.Contains(Scopes.Send) || found.Scopes.Contains(Scopes.Admin))
            ? new ApiCaller(found.Id.ToString(), found.Id, found.ProjectId)
            : null;
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Submission: failed login from {Address}")]
    private static partial void LogFailed(ILogger logger, string address);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "Submission: login from {Address} refused: too many failed logins")]
    private static partial void LogBlocked(ILogger logger, string address);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Warning, Message = "Submission: cannot check a login now ({ExceptionType}: {Error}); answered 454")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType, string error);
}
