using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;

namespace EmailRelay.Api.Suppressions;

/// <summary>The query parameters of the suppression routes, as the document shows them.</summary>
public static class SuppressionListQuery
{
    public static readonly QueryParameterDoc[] Parameters =
    [
        QueryParameterDoc.Text("email", "Only this address (case-insensitive)."),
        QueryParameterDoc.OneOf("reason", "Only entries with this reason.", SuppressionReasons.All),
        QueryParameterDoc.Limit(),
        QueryParameterDoc.Cursor("The next_cursor of the previous page."),
        ProjectQuery.Filter,
    ];

    /// <summary>Where an operator's POST and DELETE act; a project key's own project whatever it says.</summary>
    public static readonly QueryParameterDoc Target = QueryParameterDoc.Id(Auth.ProjectScope.Field,
        "Operator keys: the project whose list this changes (default: the default project). A project key may name only its own.");
}
