using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// An application server's local Postfix that relays everything through our SMTP submission
/// listener (issue 10 point 3): a private instance of Debian's Postfix under a temporary folder
/// (the system Postfix is never touched), <c>relayhost = [127.0.0.1]:port</c> with SASL
/// authentication as <c>apikey</c> and the API key from a <c>sasl_passwd</c> map, TLS required
/// (<c>smtp_tls_security_level = encrypt</c>: the listener's certificate is self-signed, so it is
/// not verified, as most such set-ups), <c>noanonymous</c>. The application hands it a message over
/// SMTP on 127.0.0.1:<see cref="Port"/> (<see cref="SendAsync"/>); what our listener answered is
/// read from Postfix's log (<see cref="WaitForRelayReplyAsync"/>). Stopped on dispose. Needs root,
/// as any Postfix does.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class TestPostfixRelayClient : IAsyncDisposable
{
    private readonly string _directory;

    private TestPostfixRelayClient(string directory, int port, int submissionPort)
    {
        _directory = directory;
        Port = port;
        SubmissionPort = submissionPort;
    }

    /// <summary>Where the application hands Postfix its mail (plain SMTP, from 127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>Our listener's STARTTLS port, Postfix's relayhost.</summary>
    public int SubmissionPort { get; }

    private string ConfigDirectory => Path.Combine(_directory, "etc");

    /// <summary>Postfix's own log (maillog_file), for a failing test's output.</summary>
    public string Log => File.Exists(Path.Combine(_directory, "maillog")) ? File.ReadAllText(Path.Combine(_directory, "maillog")) : "";

    public static async Task<TestPostfixRelayClient> StartAsync(int submissionPort, string apiKey)
    {
        if (!File.Exists("/usr/sbin/postfix"))
        {
            throw new InvalidOperationException("postfix is not installed (Debian: postfix; scripts/deps.sh installs it)");
        }
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("a private Postfix instance needs root (its master runs as root, as any Postfix)");
        }
        // Cyrus SASL's PLAIN and LOGIN mechanisms for Postfix's SMTP client.
        if (!Directory.EnumerateFiles("/usr/lib", "libplain.so*", SearchOption.AllDirectories).Any())
        {
            throw new InvalidOperationException("Postfix's SMTP AUTH needs the Cyrus SASL PLAIN/LOGIN modules (Debian: libsasl2-modules)");
        }
        var directory = Path.Combine(Path.GetTempPath(), "emailrelay-postfix-client-" + Guid.NewGuid().ToString("N")[..12]);
        var postfix = new TestPostfixRelayClient(directory, FreePort(), submissionPort);
        try
        {
            await postfix.ConfigureAsync(apiKey);
            await RunAsync("postfix", "-c", postfix.ConfigDirectory, "check");
            await RunAsync("postfix", "-c", postfix.ConfigDirectory, "start");
            await postfix.WaitUntilListeningAsync();
            return postfix;
        }
        catch
        {
            await postfix.DisposeAsync();
            throw;
        }
    }

    private async Task ConfigureAsync(string apiKey)
    {
        var etc = ConfigDirectory;
        var spool = Path.Combine(_directory, "spool");
        var data = Path.Combine(_directory, "data");
        foreach (var dir in new[] { etc, spool, data })
        {
            Directory.CreateDirectory(dir);
        }
        // The queue and configuration must be root's and not group/world writable, or Postfix refuses them.
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await RunAsync("chown", "postfix:postfix", data);

        // The password map as an administrator writes it (README, "SMTP submission"), keyed by the
        // relayhost exactly as written. texthash: read as it is, so no postmap step is needed here;
        // hash:/lmdb: after postmap behave the same.
        var relayhost = $"[127.0.0.1]:{SubmissionPort.ToString(CultureInfo.InvariantCulture)}";
        var passwords = Path.Combine(etc, "sasl_passwd");
        await File.WriteAllTextAsync(passwords, $"{relayhost} apikey:{apiKey}\n");
        File.SetUnixFileMode(passwords, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        File.Copy("/etc/postfix/master.cf", Path.Combine(etc, "master.cf"));
        await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), $"""
            compatibility_level = 3.7
            queue_directory = {spool}
            data_directory = {data}
            meta_directory = /etc/postfix
            syslog_name = emailrelay-test-postfix-client
            maillog_file = {Path.Combine(_directory, "maillog")}
            maillog_file_prefixes = {_directory}
            myhostname = app.test
            mydomain = test
            myorigin = $myhostname
            mydestination =
            alias_maps =
            alias_database =
            local_recipient_maps =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject
            smtpd_peername_lookup = no
            smtpd_tls_security_level = none
            biff = no
            append_dot_mydomain = no
            # Everything to our submission listener, authenticated, over TLS only.
            relayhost = {relayhost}
            smtp_sasl_auth_enable = yes
            smtp_sasl_password_maps = texthash:{passwords}
            smtp_sasl_security_options = noanonymous
            smtp_sasl_tls_security_options = noanonymous
            smtp_tls_security_level = encrypt
            smtp_tls_loglevel = 1
            # A refusal by the relay is the test's answer: no retry for minutes.
            maximal_queue_lifetime = 0
            bounce_queue_lifetime = 0
            """);
        await RunAsync("postconf", "-c", etc, "-F", "*/*/chroot = n");
        await RunAsync("postconf", "-c", etc, "-MX", "smtp/inet");
        await RunAsync("postconf", "-c", etc, "-M", $"127.0.0.1:{Port}/inet = 127.0.0.1:{Port} inet n - n - - smtpd");
    }

    /// <summary>What an application does: hands Postfix a message over SMTP on 127.0.0.1:<see cref="Port"/>.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None, cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    /// <summary>
    /// Waits until Postfix has relayed the message for <paramref name="recipient"/> and returns our
    /// listener's reply to it (the text in <c>status=sent (...)</c>). A bounce or deferral throws
    /// with the reason and Postfix's log.
    /// </summary>
    public async Task<string> WaitForRelayReplyAsync(string recipient, TimeSpan timeout)
    {
        var (status, reply) = await WaitForOutcomeAsync(recipient, timeout);
        return status == "sent"
            ? reply
            : throw new InvalidOperationException($"Postfix did not relay to {recipient}: status={status} ({reply})\nPostfix log:\n{Log}");
    }

    /// <summary>Postfix's first outcome for <paramref name="recipient"/>: sent, bounced, deferred or expired, and its reason.</summary>
    public async Task<(string Status, string Reply)> WaitForOutcomeAsync(string recipient, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (Match match in DeliveryLine().Matches(Log))
            {
                if (string.Equals(match.Groups["to"].Value, recipient, StringComparison.OrdinalIgnoreCase))
                {
                    return (match.Groups["status"].Value, match.Groups["reply"].Value);
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Postfix logged no outcome for {recipient} within {timeout.TotalSeconds} s; Postfix log:\n{Log}");
            }
            await Task.Delay(100);
        }
    }

    // "... to=<ana@example.net>, relay=127.0.0.1[127.0.0.1]:2587, ..., status=sent (250 2.0.0 ...)"
    [GeneratedRegex(@"to=<(?<to>[^>]*)>,.*? status=(?<status>sent|bounced|deferred|expired) \((?<reply>.*)\)$", RegexOptions.Multiline)]
    private static partial Regex DeliveryLine();

    private async Task WaitUntilListeningAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"Postfix did not listen on 127.0.0.1:{Port} within 10 s:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode.ToString(CultureInfo.InvariantCulture)}: {await error}{await output}");
        }
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(ConfigDirectory, "main.cf")))
        {
            try
            {
                await RunAsync("postfix", "-c", ConfigDirectory, "stop");
            }
            catch (InvalidOperationException)
            {
                // Not running (a failed start): nothing to stop.
            }
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
