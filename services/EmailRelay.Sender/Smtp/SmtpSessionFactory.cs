namespace EmailRelay.Sender.Smtp;

/// <summary>Opens <see cref="SmtpSession"/>s on the smarthost's pool.</summary>
public sealed class SmtpSessionFactory(SmtpConnectionPool pool, TimeProvider time)
{
    public SmtpSession Open() => new(pool, time);
}
