using EmailRelay.Api.Auth;
using EmailRelay.Api.Emails;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EmailRelay.Api.ApiKeys;

public sealed record CreateApiKeyRequest
{
    public string? Name { get; init; }
    public List<string?>? Scopes { get; init; }
}

public sealed record CreatedApiKey(Guid Id, string Name, string Key, string Prefix, string[] Scopes, DateTime CreatedAt);

public static class ApiKeysEndpoints
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/api-keys").WithTags("API keys").RequireAuthorization(Scopes.Admin);
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create a key; the key is shown only in this response")
            .Accepts<CreateApiKeyRequest>("application/json").Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .WithLocationHeader(StatusCodes.Status201Created);
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("Every key, without the secret");
        keys.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke a key; effective on the next request");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ApiKeyStore store, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request, 64 * 1024, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateApiKeyRequest>(body.Body.Span, out var create, out var problem))
        {
            return problem!;
        }
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(create!.Name) || create.Name.Length > 100 || create.Name.Any(char.IsControl))
        {
            errors.Add("name", "A name of 1 to 100 characters is required.");
        }
        if (create.Scopes is null || create.Scopes.Count == 0)
        {
            errors.Add("scopes", $"At least one scope is required: {string.Join(", ", Scopes.All)}.");
        }
        else
        {
            for (var i = 0; i < create.Scopes.Count; i++)
            {
                if (create.Scopes[i] is not { } scope || !Scopes.All.Contains(scope))
                {
                    errors.Add($"scopes[{i}]", $"Unknown scope; known scopes are {string.Join(", ", Scopes.All)}.");
                }
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var key = ApiKeyFormat.NewKey();
        var record = await store.CreateAsync(create.Name!, create.Scopes!.Distinct().Select(s => s!).ToArray(), key, cancellationToken);
        return TypedResults.Created($"/v1/api-keys/{record.Id}",
            new CreatedApiKey(record.Id, record.Name, key, record.Prefix, record.Scopes, record.CreatedAt));
    }

    private static async Task<Ok<DataList<ApiKeyRecord>>> ListAsync(ApiKeyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DataList<ApiKeyRecord>(await store.ListAsync(cancellationToken)));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, ApiKeyStore store, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(id, out var guid) && await store.RevokeAsync(guid, cancellationToken))
        {
            return TypedResults.NoContent();
        }
        return Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No API key with id '{id}'.");
    }
}
