using System.Net;
using System.Net.Sockets;

namespace LensAI.Testing;

/// <summary>For servers a test starts as a child process, which must be told a port up front.</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A port on 127.0.0.1 that was free a moment ago (bound to port 0, read, released). Another process could take it
    /// in between; servers that can report the port they bound (port 0) should be preferred where the test can read it.
    /// </summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Sends a request until the server accepts the connection (it may still be starting), polling with a deadline.
    /// <paramref name="serverGone"/> returns why the server can no longer answer (it exited), or <see langword="null"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> SendWhenListeningAsync(HttpClient http, Func<HttpRequestMessage> request, Func<string?> serverGone, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (serverGone() is { } why)
            {
                throw new InvalidOperationException("The server is gone: " + why);
            }

            try
            {
                using var message = request();
                return await http.SendAsync(message);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
