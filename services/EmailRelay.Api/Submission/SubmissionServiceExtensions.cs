namespace EmailRelay.Api.Submission;

public static class SubmissionServiceExtensions
{
    /// <summary>
    /// The SMTP submission listener: <c>Submission__*</c> validated at start (a port without its
    /// certificate fails the start), the listener as a hosted service that stays idle while no port is set.
    /// </summary>
    public static IServiceCollection AddSubmission(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SubmissionOptions>().Bind(configuration.GetSection(SubmissionOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FailedAuthStore>();
        services.AddSingleton<SubmissionPreparer>();
        services.AddSingleton<SubmissionAuthenticator>();
        services.AddSingleton<SubmissionMailboxFilter>();
        services.AddSingleton<SubmissionMessageStore>();
        services.AddHostedService<SubmissionListener>();
        return services;
    }
}
