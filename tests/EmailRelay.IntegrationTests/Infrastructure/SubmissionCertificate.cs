using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// The PEM certificate and key the SMTP submission listener is started with in tests
/// (<c>Submission__CertificatePath</c>, <c>Submission__KeyPath</c>): self-signed, for
/// <c>localhost</c> and 127.0.0.1, as scripts/start.sh makes with openssl.
/// </summary>
public sealed record SubmissionCertificate(string CertificatePath, string KeyPath)
{
    /// <summary>Writes <c>cert.pem</c> and <c>key.pem</c> (the key readable by its owner only) into <paramref name="directory"/>.</summary>
    public static SubmissionCertificate Create(string directory)
    {
        Directory.CreateDirectory(directory);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var result = new SubmissionCertificate(Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        File.WriteAllText(result.CertificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(result.KeyPath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(result.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return result;
    }

    /// <summary>The listener settings for a RelayStack: STARTTLS on <paramref name="port"/>, implicit TLS on <paramref name="implicitTlsPort"/> (0 = off).</summary>
    public IReadOnlyDictionary<string, string> Settings(int port, int implicitTlsPort = 0) => new Dictionary<string, string>
    {
        ["Submission__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Submission__ImplicitTlsPort"] = implicitTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Submission__ListenAddress"] = "127.0.0.1",
        ["Submission__Hostname"] = "localhost",
        ["Submission__CertificatePath"] = CertificatePath,
        ["Submission__KeyPath"] = KeyPath,
    };
}
