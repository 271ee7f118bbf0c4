using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Data;

namespace EmailRelay.UnitTests.Api;

public sealed class ProjectScopeTests
{
    private static readonly Guid Own = Guid.CreateVersion7();
    private static readonly Guid Other = Guid.CreateVersion7();
    private static readonly ApiCaller ProjectKey = new(Guid.NewGuid().ToString(), Guid.NewGuid(), Own);
    private static readonly ApiCaller Operator = new("bootstrap", null, null);

    [Fact]
    public void A_project_key_reads_and_writes_its_own_project_when_it_names_none()
    {
        var errors = new ValidationErrors();
        Assert.Equal(Own, ProjectScope.ForRead(ProjectKey, null, errors));
        Assert.Equal(Own, ProjectScope.ForWrite(ProjectKey, null, errors));
        Assert.Equal(Own, ProjectScope.ForRead(ProjectKey, Own.ToString(), errors));
        Assert.Equal(0, errors.Count);
    }

    [Fact]
    public void A_project_key_naming_another_project_is_an_error_on_project_id_and_stays_confined()
    {
        var errors = new ValidationErrors();
        Assert.Equal(Own, ProjectScope.ForRead(ProjectKey, Other.ToString(), errors));
        Assert.Equal(Own, ProjectScope.ForWrite(ProjectKey, Other.ToString(), errors));
        Assert.True(errors.Has(ProjectScope.Field));
    }

    [Fact]
    public void An_operator_reads_every_project_writes_the_default_and_may_name_one()
    {
        var errors = new ValidationErrors();
        Assert.Null(ProjectScope.ForRead(Operator, null, errors));
        Assert.Equal(ProjectIds.Default, ProjectScope.ForWrite(Operator, null, errors));
        Assert.Equal(Other, ProjectScope.ForRead(Operator, Other.ToString(), errors));
        Assert.Equal(Other, ProjectScope.ForWrite(Operator, Other.ToString(), errors));
        Assert.Equal(0, errors.Count);
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("")]
    [InlineData("1,2")]
    public void A_malformed_project_id_is_named(string value)
    {
        var errors = new ValidationErrors();
        ProjectScope.ForRead(Operator, value, errors);
        Assert.True(errors.Has(ProjectScope.Field));
    }
}
