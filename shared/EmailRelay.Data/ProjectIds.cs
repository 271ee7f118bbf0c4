namespace EmailRelay.Data;

/// <summary>Well-known project ids (migration 0002 creates the default project with this id).</summary>
public static class ProjectIds
{
    /// <summary>The <c>default</c> project: where data that predates projects, and what an operator key creates without naming a project, belongs.</summary>
    public static readonly Guid Default = new("00000000-0000-0000-0000-000000000001");
}
