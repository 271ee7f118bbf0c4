using System.Security.Cryptography;
using System.Text;
using EmailRelay.Sender.Signing;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace EmailRelay.UnitTests.Sender.Signing;

public sealed class RsaSha256SignerTests
{
    [Fact]
    public void Signs_exactly_as_BouncyCastle_does_for_the_same_key_and_data()
    {
        // RSASSA-PKCS1-v1_5 is deterministic: the native signer must give the very bytes MimeKit's
        // own (BouncyCastle) signer gives, fed the same way (a byte, a span, an array slice).
        using var rsa = RSA.Create(2048);
        var data = Encoding.ASCII.GetBytes("from:Billing <billing@signed.test>\r\nsubject:Receipt\r\ndkim-signature:v=1; a=rsa-sha256; b=");
        var native = new RsaSha256Signer(rsa);
        native.Init(true, null!);
        native.Update(data[0]);
        native.BlockUpdate(data.AsSpan(1, 10));
        native.BlockUpdate(data, 11, data.Length - 11);

        var reference = new RsaDigestSigner(new Sha256Digest());
        reference.Init(true, PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey()));
        reference.BlockUpdate(data, 0, data.Length);

        Assert.Equal(reference.GenerateSignature(), native.GenerateSignature());
        Assert.Equal(256, native.GetMaxSignatureSize());
    }

    [Fact]
    public void Reset_forgets_what_was_fed()
    {
        using var rsa = RSA.Create(2048);
        var signer = new RsaSha256Signer(rsa);
        signer.BlockUpdate("discarded"u8);
        signer.Reset();
        signer.BlockUpdate("kept"u8);
        Assert.True(rsa.VerifyData("kept"u8, signer.GenerateSignature(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
