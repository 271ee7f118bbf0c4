using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailRelay.DevSmtp;

public static class SelfSignedCertificate
{
    /// <summary>An RSA 2048 server certificate for <paramref name="hostname"/> and 127.0.0.1, valid for a year.</summary>
    public static X509Certificate2 Create(string hostname = "localhost")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostname);

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var names = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(hostname, out var address))
        {
            names.AddIpAddress(address);
        }
        else
        {
            names.AddDnsName(hostname);
        }

        if (!IPAddress.Loopback.Equals(address))
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));

        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        // The key of CreateSelfSigned is ephemeral; a PKCS#12 round trip gives a certificate whose key
        // SslStream can use on every platform and that can be exported again.
        return X509CertificateLoader.LoadPkcs12(
            ephemeral.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);
    }
}
