using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.Api.ApiKeys;

/// <summary>
/// API.md §API keys: operators manage every key; a key with <c>settings</c> manages its own
/// project's keys and can never mint an operator key or one with <c>admin</c>.
/// </summary>
public static class ApiKeysEndpoints
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/api-keys").WithTags("API keys").RequireAuthorization(Scopes.Settings);
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create a key; the key is shown only in this response")
            .Accepts<CreateApiKeyRequest>("application/json").Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .WithLocationHeader(StatusCodes.Status201Created);
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("The keys this key may manage, without the secret")
            .Produces<DataList<ApiKeyRecord>>().WithValidatedQuery(ProjectQuery.Filter);
        keys.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke a key; effective on the next request");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ApiKeyStore store, ProjectStore projects, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, 64 * 1024, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateApiKeyRequest>(body.Body.Span, out var create, out var problem))
        {
            return problem!;
        }
        var caller = ApiCaller.From(context.User);
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(create!.Name) || create.Name.Length > 100 || create.Name.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
        {
            errors.Add("name", "A name of 1 to 100 characters without control characters is required.");
        }
        // A project key's keys stay in its project; an operator names the project, or makes an operator key.
        var projectId = create.ProjectId is null ? caller.ProjectId : ProjectScope.ForRead(caller, create.ProjectId, errors);
        var isAdmin = context.User.HasClaim(Scopes.ClaimType, Scopes.Admin);
        if (projectId is null && !isAdmin && !errors.Has(ProjectScope.Field))
        {
            // Only admin may mint a key that sees every project.
            errors.Add(ProjectScope.Field, "Name the project of the new key: only an admin key creates operator keys.");
        }
        ValidateScopes(create.Scopes, projectId, isAdmin, errors);
        if (errors.Count == 0 && projectId is { } project && caller.IsOperator && !await projects.ExistsAsync(project, cancellationToken))
        {
            errors.Add(ProjectScope.Field, $"No project with id '{project}'.");
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var key = ApiKeyFormat.NewKey();
        var record = await store.CreateAsync(create.Name!, create.Scopes!.Distinct().Select(s => s!).ToArray(), projectId, key, cancellationToken);
        return TypedResults.Created($"/v1/api-keys/{record.Id}",
            new CreatedApiKey(record.Id, record.Name, key, record.Prefix, record.Scopes, record.ProjectId, record.CreatedAt));
    }

    private static void ValidateScopes(List<string?>? scopes, Guid? projectId, bool callerIsAdmin, ValidationErrors errors)
    {
        if (scopes is null || scopes.Count == 0)
        {
            errors.Add("scopes", $"At least one scope is required: {string.Join(", ", Scopes.All)}.");
            return;
        }
        for (var i = 0; i < scopes.Count; i++)
        {
            if (scopes[i] is not { } scope || !Scopes.All.Contains(scope))
            {
                errors.Add($"scopes[{i}]", $"Unknown scope; known scopes are {string.Join(", ", Scopes.All)}.");
            }
            else if (scope == Scopes.Admin && (projectId is not null || !callerIsAdmin))
            {
                errors.Add($"scopes[{i}]", "admin belongs to operator keys made by an admin key; a project's key cannot hold it.");
            }
        }
    }

    private static async Task<IResult> ListAsync(HttpContext context, ApiKeyStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), context.Request.Query[ProjectScope.Field], errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(new DataList<ApiKeyRecord>(await store.ListAsync(project, cancellationToken)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, HttpContext context, ApiKeyStore store,
        CancellationToken cancellationToken)
    {
        if (Guid.TryParse(id, out var guid) && await store.RevokeAsync(guid, ApiCaller.From(context.User).ProjectId, cancellationToken))
        {
            return TypedResults.NoContent();
        }
        return Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No API key with id '{id}'.");
    }
}
