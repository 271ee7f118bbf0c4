using EmailRelay.Api.Auth;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;

namespace EmailRelay.Api.Domains;

/// <summary>The query parameters of the domain routes, as the document shows them.</summary>
public static class DomainQuery
{
    public static readonly QueryParameterDoc[] List =
        [QueryParameterDoc.Limit(), QueryParameterDoc.Cursor("The next_cursor of the previous page."), ProjectQuery.Filter];

    public static readonly QueryParameterDoc Target = QueryParameterDoc.Id(ProjectScope.Field,
        "Operator keys: the project the domain is added to (default: the default project). A project key may name only its own.");
}
