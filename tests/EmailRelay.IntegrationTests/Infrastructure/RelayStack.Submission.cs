using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace EmailRelay.IntegrationTests.Infrastructure;

public sealed partial class RelayStack
{
    /// <summary>The STARTTLS submission port of the stack's API (set by <see cref="StartWithSubmissionAsync"/>).</summary>
    public int SubmissionPort => Port("Submission__Port");

    /// <summary>The implicit TLS submission port of the stack's API.</summary>
    public int SubmissionTlsPort => Port("Submission__ImplicitTlsPort");

    /// <summary>
    /// A stack whose API listens for SMTP submission on two free loopback ports, with a
    /// self-signed certificate for <c>localhost</c> written to a temporary directory.
    /// </summary>
    public static Task<RelayStack> StartWithSubmissionAsync(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = Directory.CreateTempSubdirectory("emailrelay-submission-").FullName;
        var (certificate, key) = WriteSelfSignedPem(directory);
        var all = new Dictionary<string, string>
        {
            ["Submission__Port"] = TestPorts.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Submission__ImplicitTlsPort"] = TestPorts.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Submission__ListenAddress"] = "127.0.0.1",
            ["Submission__CertificatePath"] = certificate,
            ["Submission__KeyPath"] = key,
            ["Submission__Hostname"] = "submission.test",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            all[k] = v;
        }
        return StartAsync(name, all);
    }

    /// <summary>
    /// Another API process on this stack's database with submission listeners on ports of its
    /// own, as a second replica behind a TCP load balancer would be.
    /// </summary>
    public async Task<(ServiceProcess Process, int Port, int TlsPort)> StartExtraSubmissionApiAsync()
    {
        var (httpPort, port, tlsPort) = (TestPorts.Tcp(), TestPorts.Tcp(), TestPorts.Tcp());
        var name = $"api-{Interlocked.Increment(ref _extraApiCount) + 1}";
        var environment = new Dictionary<string, string>(_environment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["Submission__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Submission__ImplicitTlsPort"] = tlsPort.ToString(CultureInfo.InvariantCulture),
        };
        var process = ServiceProcess.Start(name, TestSettings.ServiceDll("EmailRelay.Api"), environment, Path.Combine(_logDirectory, $"{name}.log"));
        try
        {
            await WaitUntilLiveAsync(process, httpPort);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return (process, port, tlsPort);
    }

    /// <summary>Creates an API key with <paramref name="scopes"/> (in the default project) and returns it.</summary>
    public async Task<string> CreateKeyAsync(string name, params string[] scopes)
    {
        using var response = await PostJsonAsync("v1/api-keys", new { name, scopes });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }

    private int Port(string setting) => int.Parse(_environment[setting], CultureInfo.InvariantCulture);

    private static (string Certificate, string Key) WriteSelfSignedPem(string directory)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddDnsName("submission.test");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(directory, "submission.crt");
        var keyPath = Path.Combine(directory, "submission.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
