using EmailRelay.Api.Auth;
using EmailRelay.Api.OpenApi;

namespace EmailRelay.Api.Projects;

/// <summary>How <c>?project_id=</c> is documented where it is accepted (see <see cref="ProjectScope"/>).</summary>
public static class ProjectQuery
{
    public static readonly QueryParameterDoc Filter = QueryParameterDoc.Id(ProjectScope.Field,
        "Operator keys: only this project (default: every project). A project key may name only its own.");

    public static readonly QueryParameterDoc Target = QueryParameterDoc.Id(ProjectScope.Field,
        "Operator keys: the project the emails belong to (default: the default project). A project key may name only its own.");

    public static readonly QueryParameterDoc[] ListProjects = [QueryParameterDoc.Limit(), QueryParameterDoc.Cursor("The next_cursor of the previous page.")];
}
