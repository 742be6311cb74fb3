using System.Net.Http.Headers;
using System.Text;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Tests.Storage;

/// <summary>
/// Shared Key canonicalization against the examples in Microsoft's "Authorize with Shared Key" REST documentation.
/// The expected signatures were computed independently (Node's crypto HMAC over the same strings, with the public
/// development-storage key); end-to-end signing is also checked by Azurite in the conformance suite.
/// </summary>
public sealed class AzureSharedKeyTests
{
    private static readonly byte[] DevKey = Convert.FromBase64String(AzureBlobConnectionString.DevelopmentAccountKey);

    [Fact]
    public void Documented_get_container_metadata_example_gives_the_documented_string_to_sign()
    {
        // The documentation's example: Get Container Metadata with timeout=20, emulator-style path.
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:10000/myaccount/mycontainer?restype=container&comp=metadata&timeout=20");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2009-09-19");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT");

        var stringToSign = AzureSharedKey.BuildStringToSign(request, "myaccount");

        Assert.Equal(
            "GET\n\n\n\n\n\n\n\n\n\n\n\n" +
            "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n" +
            "/myaccount/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20",
            stringToSign);
        Assert.Equal("Su5rvibNeMxB7A4I87rOtEgCDtdICsL8v5H+yJs0W+M=", AzureSharedKey.Sign(stringToSign, DevKey));
    }

    [Theory]
    [InlineData("https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata", "/myaccount/mycontainer\ncomp:metadata\nrestype:container")]
    [InlineData("https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&include=snapshots&include=metadata&include=uncommittedblobs",
        "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\nrestype:container")]
    [InlineData("https://myaccount-secondary.blob.core.windows.net/mycontainer/myblob", "/myaccount/mycontainer/myblob")]
    [InlineData("https://myaccount.blob.core.windows.net/c/b?Comp=Block&blockid=YWJj%2BZA%3D%3D", "/myaccount/c/b\nblockid:YWJj+ZA==\ncomp:Block")]
    public void Canonicalized_resource_follows_the_documented_rules(string url, string expected)
    {
        var sb = new StringBuilder();
        AzureSharedKey.AppendCanonicalizedResource(sb, new Uri(url), "myaccount");
        Assert.Equal(expected, sb.ToString());
    }

    [Fact]
    public void Put_blob_string_to_sign_has_length_type_conditions_and_sorted_ms_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put,
            "http://127.0.0.1:10000/devstoreaccount1/lensai/events/project%3Dacme/dt%3D2026-11-21/part%2001.parquet");
        request.Content = new ByteArrayContent("hello, lens"u8.ToArray());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2025-05-05");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sat, 21 Nov 2026 10:00:00 GMT");
        request.Headers.TryAddWithoutValidation("X-MS-Blob-Type", "BlockBlob");
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");

        var stringToSign = AzureSharedKey.BuildStringToSign(request, "devstoreaccount1");

        Assert.Equal(
            "PUT\n\n\n11\n\napplication/octet-stream\n\n\n\n*\n\n\n" +
            "x-ms-blob-type:BlockBlob\nx-ms-date:Sat, 21 Nov 2026 10:00:00 GMT\nx-ms-version:2025-05-05\n" +
            "/devstoreaccount1/devstoreaccount1/lensai/events/project%3Dacme/dt%3D2026-11-21/part%2001.parquet",
            stringToSign);
        Assert.Equal("BeYzuSWRcY2OCWnzlwuWmzPT1hnR1mZOgocR3i7i0DY=", AzureSharedKey.Sign(stringToSign, DevKey));
    }

    [Fact]
    public void Zero_content_length_signs_as_empty()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "https://a.blob.core.windows.net/c/b");
        request.Content = new ByteArrayContent([]);
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sat, 21 Nov 2026 10:00:00 GMT");

        var stringToSign = AzureSharedKey.BuildStringToSign(request, "a");

        Assert.StartsWith("PUT\n\n\n\n\n", stringToSign, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_adds_the_shared_key_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:10000/myaccount/mycontainer?restype=container&comp=metadata&timeout=20");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2009-09-19");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT");

        AzureSharedKey.Authorize(request, "myaccount", DevKey);

        Assert.Equal("SharedKey myaccount:Su5rvibNeMxB7A4I87rOtEgCDtdICsL8v5H+yJs0W+M=", request.Headers.GetValues("Authorization").Single());
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true", "http://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;EndpointSuffix=core.windows.net", "https://acme.blob.core.windows.net/", "acme")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5", "https://acme.blob.core.windows.net/", "acme")]
    [InlineData("AccountName=acme;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:5555/acme/", "http://127.0.0.1:5555/acme", "acme")]
    [InlineData("BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2025-05-05&sig=abc", "https://acme.blob.core.windows.net/", null)]
    public void Connection_strings_parse(string connectionString, string endpoint, string? account)
    {
        var parsed = AzureBlobConnectionString.Parse(connectionString);
        Assert.Equal(new Uri(endpoint), parsed.BlobEndpoint);
        Assert.Equal(account, parsed.AccountName);
    }

    [Theory]
    [InlineData("AccountName=acme", "neither AccountKey nor SharedAccessSignature")]
    [InlineData("AccountKey=a2V5", "neither BlobEndpoint nor AccountName")]
    [InlineData("AccountName=acme;AccountKey=not*base64", "AccountKey is not valid base64")]
    [InlineData("garbage", "not 'Name=Value'")]
    public void Bad_connection_strings_say_what_is_wrong_without_echoing_secrets(string connectionString, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => AzureBlobConnectionString.Parse(connectionString));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", ex.Message, StringComparison.Ordinal);
    }
}
