using EmailRelay.Api.Http;
using EmailRelay.Data;

namespace EmailRelay.Api.Auth;

/// <summary>
/// Which project a request reads from or writes to. A project key is confined to its own project
/// whatever it asks for; an operator key may name one with <c>project_id</c>, and otherwise reads
/// every project and writes to the default one (API.md §Projects).
/// </summary>
public static class ProjectScope
{
    public const string Field = "project_id";

    /// <summary>The project to filter reads by, or null for "every project" (operators only).</summary>
    public static Guid? ForRead(ApiCaller caller, string? requested, ValidationErrors errors) =>
        Resolve(caller, requested, errors) ?? caller.ProjectId;

    /// <summary>The project that something the caller creates belongs to.</summary>
    public static Guid ForWrite(ApiCaller caller, string? requested, ValidationErrors errors) =>
        Resolve(caller, requested, errors) ?? caller.ProjectId ?? ProjectIds.Default;

    private static Guid? Resolve(ApiCaller caller, string? requested, ValidationErrors errors)
    {
        if (requested is null)
        {
            return null;
        }
        if (!Guid.TryParse(requested, out var project))
        {
            errors.Add(Field, "project_id is a project id as returned by /v1/projects.");
            return null;
        }
        if (caller.ProjectId is { } own && own != project)
        {
            errors.Add(Field, "This key belongs to another project; it can only name its own.");
            return null;
        }
        return project;
    }
}
