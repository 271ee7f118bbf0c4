using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// A private instance of Debian's Postfix for a test (issue 9 point 7): its own configuration,
/// queue and data directories under a temporary folder (the system Postfix is never touched),
/// <c>smtpd</c> on 127.0.0.1:<see cref="Port"/> offering STARTTLS with a self-signed certificate,
/// and every recipient of <see cref="Domain"/> delivered by the <c>virtual</c> agent into one
/// Maildir, <see cref="MaildirNew"/>. Stopped (<c>postfix -c DIR stop</c>) on dispose. Needs root,
/// as any Postfix does.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TestPostfix : IAsyncDisposable
{
    private readonly string _directory;

    private TestPostfix(string directory, int port, string domain)
    {
        _directory = directory;
        Port = port;
        Domain = domain;
    }

    public int Port { get; }
    public string Domain { get; }
    private string ConfigDirectory => Path.Combine(_directory, "etc");

    /// <summary>Where delivered messages appear, one file each (Maildir's <c>new/</c>).</summary>
    public string MaildirNew => Path.Combine(_directory, "mail", "inbox", "new");

    /// <summary>Postfix's own log (maillog_file), for a failing test's output.</summary>
    public string Log => File.Exists(Path.Combine(_directory, "maillog")) ? File.ReadAllText(Path.Combine(_directory, "maillog")) : "";

    /// <param name="settings">main.cf parameters set over the defaults below (postconf -e), e.g. a relayhost with SASL.</param>
    public static async Task<TestPostfix> StartAsync(string domain, IReadOnlyDictionary<string, string>? settings = null)
    {
        if (!File.Exists("/usr/sbin/postfix"))
        {
            throw new InvalidOperationException("postfix is not installed (Debian: postfix; scripts/deps.sh installs it)");
        }
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("a private Postfix instance needs root (its master runs as root, as any Postfix)");
        }
        var directory = Path.Combine(Path.GetTempPath(), "emailrelay-postfix-" + Guid.NewGuid().ToString("N")[..12]);
        var port = TestPorts.Tcp();
        var postfix = new TestPostfix(directory, port, domain);
        try
        {
            await postfix.ConfigureAsync();
            // main.cf is written without a final line end; postconf -e would append to its last line.
            await File.AppendAllTextAsync(Path.Combine(postfix.ConfigDirectory, "main.cf"), "\n");
            foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            {
                await RunAsync("postconf", "-c", postfix.ConfigDirectory, "-e", $"{name} = {value}");
            }
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

    private async Task ConfigureAsync()
    {
        var etc = ConfigDirectory;
        var spool = Path.Combine(_directory, "spool");
        var data = Path.Combine(_directory, "data");
        var mail = Path.Combine(_directory, "mail");
        foreach (var dir in new[] { etc, spool, data, mail })
        {
            Directory.CreateDirectory(dir);
        }
        // The queue and configuration must be root's and not group/world writable, or Postfix refuses them.
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await RunAsync("chown", "postfix:postfix", data);
        // virtual(8) delivers as an unprivileged user (virtual_minimum_uid is 100): nobody owns the Maildir.
        await RunAsync("chown", "nobody:nogroup", mail);

        var certificate = Path.Combine(etc, "cert.pem");
        var key = Path.Combine(etc, "key.pem");
        WriteSelfSignedCertificate(certificate, key, "mx." + Domain);

        File.Copy("/etc/postfix/master.cf", Path.Combine(etc, "master.cf"));
        var uid = (await RunAsync("id", "-u", "nobody")).Trim();
        var gid = (await RunAsync("id", "-g", "nobody")).Trim();
        await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), $"""
            compatibility_level = 3.7
            queue_directory = {spool}
            data_directory = {data}
            meta_directory = /etc/postfix
            syslog_name = emailrelay-test-postfix
            maillog_file = {Path.Combine(_directory, "maillog")}
            maillog_file_prefixes = {_directory}
            myhostname = mx.{Domain}
            mydomain = {Domain}
            myorigin = $myhostname
            mydestination =
            alias_maps =
            alias_database =
            local_recipient_maps =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            smtpd_peername_lookup = no
            # Mail from 127.0.0.1 must be treated like mail from the internet: no header rewriting.
            local_header_rewrite_clients =
            smtpd_tls_security_level = may
            smtpd_tls_chain_files = {key}, {certificate}
            smtpd_tls_received_header = yes
            smtp_tls_security_level = none
            biff = no
            append_dot_mydomain = no
            virtual_mailbox_domains = {Domain}
            virtual_mailbox_base = {mail}
            virtual_mailbox_maps = static:inbox/
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{gid}
            """);
        await RunAsync("postconf", "-c", etc, "-F", "*/*/chroot = n");
        await RunAsync("postconf", "-c", etc, "-MX", "smtp/inet");
        await RunAsync("postconf", "-c", etc, "-M", $"127.0.0.1:{Port}/inet = 127.0.0.1:{Port} inet n - n - - smtpd");
    }

    private static void WriteSelfSignedCertificate(string certificatePath, string keyPath, string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

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

    /// <summary>Waits for <paramref name="count"/> delivered messages and returns their files' bytes, oldest first.</summary>
    public async Task<IReadOnlyList<byte[]>> WaitForMailAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var files = Directory.Exists(MaildirNew) ? Directory.GetFiles(MaildirNew).Order(StringComparer.Ordinal).ToList() : [];
            if (files.Count >= count)
            {
                return files.Select(File.ReadAllBytes).ToList();
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{files.Count} of {count} message(s) in {MaildirNew} after {timeout.TotalSeconds} s; Postfix log:\n{Log}");
            }
            await Task.Delay(100);
        }
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
