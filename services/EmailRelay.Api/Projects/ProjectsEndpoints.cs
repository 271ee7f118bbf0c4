using System.Text.Json;
using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Projects;

/// <summary>API.md §Projects: operator keys (scope <c>admin</c>) create, list and change projects.</summary>
public static class ProjectsEndpoints
{
    private const long MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var projects = app.MapGroup("/v1/projects").WithTags("Projects").RequireAuthorization(Scopes.Admin);
        projects.MapPost("/", CreateAsync).WithName("CreateProject").WithSummary("Create a project, optionally with its own send rate")
            .Accepts<CreateProjectRequest>("application/json").Produces<ProjectResponse>(StatusCodes.Status201Created)
            .WithLocationHeader(StatusCodes.Status201Created);
        projects.MapGet("/", ListAsync).WithName("ListProjects").WithSummary("Every project, oldest first, keyset-paginated")
            .Produces<Page<ProjectResponse>>().WithValidatedQuery(ProjectQuery.ListProjects);
        projects.MapGet("/{id}", GetAsync).WithName("GetProject").WithSummary("One project with the send rate in force")
            .Produces<ProjectResponse>();
        projects.MapPatch("/{id}", UpdateAsync).WithName("UpdateProject").WithSummary("Rename a project or change its send rate (null: back to the default)")
            .Accepts<CreateProjectRequest>("application/json").Produces<ProjectResponse>();
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ProjectStore store, IOptions<RateLimitOptions> defaults,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateProjectRequest>(body.Body.Span, out var create, out var problem))
        {
            return problem!;
        }
        var errors = new ValidationErrors();
        var name = ProjectRules.Name(create!.Name, errors);
        var rateLimit = create.RateLimit is { } given ? ProjectRules.RateLimit(given, errors) : null;
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var project = await store.CreateAsync(name!, rateLimit, cancellationToken);
        if (project is null)
        {
            return NameTaken(name!);
        }
        return TypedResults.Created($"/v1/projects/{project.Id}", ToResponse(project, defaults.Value));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, ProjectStore store, IOptions<RateLimitOptions> defaults,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var limit = QueryParameters.Limit(request.Query, errors);
        var after = QueryParameters.After(request.Query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var rows = (await store.ListAsync(after, limit, cancellationToken)).ToList();
        var next = KeysetPage.TrimToPage(rows, limit, r => Cursor.Encode(r.Id));
        return TypedResults.Ok(new Page<ProjectResponse>(rows.Select(p => ToResponse(p, defaults.Value)).ToList(), next));
    }

    private static async Task<IResult> GetAsync(string id, ProjectStore store, IOptions<RateLimitOptions> defaults, CancellationToken cancellationToken)
    {
        var project = Guid.TryParse(id, out var guid) ? await store.GetAsync(guid, cancellationToken) : null;
        return project is null ? NotFound(id) : TypedResults.Ok(ToResponse(project, defaults.Value));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpRequest request, ProjectStore store, IOptions<RateLimitOptions> defaults,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return NotFound(id);
        }
        var body = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateProjectRequest>(body.Body.Span, out var patch, out var problem))
        {
            return problem!;
        }
        // Merge-patch semantics: an absent member is left alone, "rate_limit": null restores the
        // default. The typed parse cannot tell absent from null, so ask the document.
        using var document = JsonDocument.Parse(body.Body);
        var setsName = document.RootElement.TryGetProperty("name", out _);
        var setsRateLimit = document.RootElement.TryGetProperty("rate_limit", out _);

        var errors = new ValidationErrors();
        var name = setsName ? ProjectRules.Name(patch!.Name, errors) : null;
        var rateLimit = patch!.RateLimit is { } given ? ProjectRules.RateLimit(given, errors) : null;
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var result = await store.UpdateAsync(guid, new ProjectChanges(name, setsRateLimit, rateLimit), cancellationToken);
        if (result.NameTaken)
        {
            return NameTaken(name!);
        }
        return result.Project is null ? NotFound(id) : TypedResults.Ok(ToResponse(result.Project, defaults.Value));
    }

    private static ProjectResponse ToResponse(ProjectRecord project, RateLimitOptions defaults) =>
        project.RateLimitPerSecond is { } perSecond && project.RateLimitBurst is { } burst
            ? new ProjectResponse(project.Id, project.Name, new RateLimitSetting(perSecond, burst), false, project.CreatedAt)
            : new ProjectResponse(project.Id, project.Name, new RateLimitSetting(defaults.PerSecond, defaults.Burst), true, project.CreatedAt);

    private static ProblemHttpResult NameTaken(string name) => Problems.Field("name", $"A project named '{name}' already exists.");

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No project with id '{id}'.");
}
