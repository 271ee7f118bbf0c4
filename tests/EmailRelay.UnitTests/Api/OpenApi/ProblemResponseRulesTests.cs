using EmailRelay.Api.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;

namespace EmailRelay.UnitTests.Api.OpenApi;

/// <summary>The rules on metadata shapes no route has today, so new routes get them right too.</summary>
public sealed class ProblemResponseRulesTests
{
    [Fact]
    public void An_anonymous_endpoint_documents_no_auth_problems()
    {
        object[] metadata = [new AuthorizeAttribute("admin"), new AllowAnonymousAttribute()];
        Assert.Empty(ProblemResponseRules.For(metadata, addressesResource: false));
        Assert.False(ProblemResponseRules.RequiresApiKey(metadata));
    }

    [Fact]
    public void Authorization_without_a_scope_is_401_but_not_403()
    {
        Assert.Equal([401, 429, 503], ProblemResponseRules.For([new AuthorizeAttribute()], addressesResource: false));
    }

    [Fact]
    public void A_scoped_json_patch_by_id_gets_the_body_and_not_found_problems()
    {
        object[] metadata = [new AuthorizeAttribute("admin"), new TestAccepts("application/json")];
        Assert.Equal([400, 401, 403, 404, 413, 415, 429, 503], ProblemResponseRules.For(metadata, addressesResource: true));
    }

    [Fact]
    public void A_non_json_body_is_not_documented_as_json_problems()
    {
        Assert.Empty(ProblemResponseRules.For([new TestAccepts("text/plain")], addressesResource: false));
    }

    [Fact]
    public void An_idempotency_key_adds_400_409_and_422()
    {
        Assert.Equal([400, 409, 422], ProblemResponseRules.For([IdempotencyKeyMetadata.Instance], addressesResource: false));
    }

    [Fact]
    public void A_route_declared_problem_is_added_to_the_derived_ones()
    {
        object[] metadata = [new AuthorizeAttribute("settings"), new ProblemResponseMetadata(409, "The endpoint is disabled.")];
        Assert.Equal([401, 403, 404, 409, 429, 503], ProblemResponseRules.For(metadata, addressesResource: true));
    }

    private sealed class TestAccepts(string contentType) : IAcceptsMetadata
    {
        public IReadOnlyList<string> ContentTypes { get; } = [contentType];
        public Type? RequestType => null;
        public bool IsOptional => false;
    }
}
