using System.Text.Json;
using System.Text.Json.Serialization;
using EmailRelay.Api.Auth;
using EmailRelay.Api.Bounces;
using EmailRelay.Api.Domains;
using EmailRelay.Api.Emails;
using EmailRelay.Api.Events;
using EmailRelay.Api.Http;
using EmailRelay.Api.Idempotency;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using EmailRelay.Api.RateLimiting;
using EmailRelay.Api.Suppressions;
using EmailRelay.Data;
using EmailRelay.ServiceDefaults;

namespace EmailRelay.Api.Extensions;

public static class ApiServiceExtensions
{
    public static IHostApplicationBuilder AddApiServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRelayData(builder.Configuration);
        services.AddRelayOutbox(builder.Configuration);
        services.AddRelayBus(builder.Configuration);

        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AcceptOptions>().Bind(builder.Configuration.GetSection(AcceptOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSendRateLimits(builder.Configuration);
        services.AddDomainsApi(builder.Configuration);

        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
            // As JsonBody reads bodies: a number in quotes is refused, and the document says so.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.AddExceptionHandler<ClientFaultHandler>();
        services.AddExceptionHandler<StorageUnavailableHandler>();
        services.AddApiDocument();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.Send, p => p.RequireAssertion(c => HasScope(c.User, Scopes.Send)))
            .AddPolicy(Scopes.Read, p => p.RequireAssertion(c => HasScope(c.User, Scopes.Read)))
            .AddPolicy(Scopes.Settings, p => p.RequireAssertion(c => HasScope(c.User, Scopes.Settings)))
            .AddPolicy(Scopes.Admin, p => p.RequireAssertion(c => HasScope(c.User, Scopes.Admin)));

        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ProjectStore>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<EmailValidator>();
        services.AddSingleton<EmailPreparer>();
        services.AddSingleton<EmailStore>();
        services.AddSingleton<AcceptGroupCommit>();
        services.AddSingleton<EmailQueries>();
        services.AddSingleton<EventQueries>();
        services.AddSingleton<UnmatchedBounceQueries>();
        services.AddSingleton<EmailAcceptor>();
        services.AddSingleton<SuppressionStore>();
        return builder;
    }

    // admin holds every scope: one key can run the whole installation.
    private static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope) =>
        user.HasClaim(Scopes.ClaimType, scope) || user.HasClaim(Scopes.ClaimType, Scopes.Admin);
}
