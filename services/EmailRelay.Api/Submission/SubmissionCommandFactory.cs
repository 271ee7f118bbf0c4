using SmtpServer;
using SmtpServer.Protocol;

namespace EmailRelay.Api.Submission;

/// <summary>The library's commands, with an EHLO that also announces ENHANCEDSTATUSCODES (RFC 2034).</summary>
public sealed class SubmissionCommandFactory : SmtpCommandFactory
{
    public override SmtpCommand CreateEhlo(string domainOrAddress) => new SubmissionEhloCommand(domainOrAddress);

    private sealed class SubmissionEhloCommand(string domainOrAddress) : EhloCommand(domainOrAddress)
    {
        protected override string GetGreeting(ISessionContext context) => $"{context.ServerOptions.ServerName} Hello {DomainOrAddress}";

        protected override IEnumerable<string> GetExtensions(ISessionContext context) => base.GetExtensions(context).Append("ENHANCEDSTATUSCODES");
    }
}
