using System.Text;

namespace EmailRelay.UnitTests.Sender.Smtp;

/// <summary>Stored messages with the shapes that break a parse-and-rewrite: each test sends them as they are.</summary>
public static class StoredMessages
{
    public static readonly string LongLine = "long " + string.Concat(Enumerable.Repeat("0123456789", 120));

    /// <summary>
    /// Fields in an unusual order (Content-* between the others), a folded Subject with doubled
    /// spaces, a trace field from an earlier hop, raw UTF-8 in a header and in the body, lines
    /// starting with '.', a line longer than 998 octets, CRLF everywhere.
    /// </summary>
    public static byte[] Awkward(string from = "Ana <ana@acme.test>") => Encoding.UTF8.GetBytes(
        "Received: from app.internal by api.acme.test; Mon, 6 Jan 2025 10:00:00 +0000\r\n" +
        $"From: {from}\r\n" +
        "To: Bob =?utf-8?q?B=C3=B6b?= <bob@example.test>, carol@example.test\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Subject:  Your   receipt —\r\n\tfolded  onto two lines\r\n" +
        "Date: Mon, 6 Jan 2025 10:00:00 +0000\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Message-ID: <0195a3b4@acme.test>\r\n" +
        "X-Note: ünïcode in a header\r\n" +
        "List-Unsubscribe: <mailto:unsub@acme.test>\r\n" +
        "\r\n" +
        ".leading dot\r\n" +
        "..two dots\r\n" +
        ".\r\n" +
        "trailing spaces   \r\n" +
        "\r\n" +
        LongLine + "\r\n" +
        "Grüße, ünïcode — 8-bit UTF-8\r\n" +
        "\r\n" +
        "\r\n");

    /// <summary>What the API stores: 7-bit, quoted-printable body.</summary>
    public static byte[] SevenBit() => Encoding.ASCII.GetBytes(
        "From: Ana <ana@acme.test>\r\n" +
        "To: bob@example.test\r\n" +
        "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
        "Date: Mon, 6 Jan 2025 10:00:00 +0000\r\n" +
        "Message-ID: <0195a3b5@acme.test>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "Gr=C3=BC=C3=9Fe\r\n" +
        ".dot\r\n");
}
