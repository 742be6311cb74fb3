using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace LensAI.Backend.Tests.Alerts;

/// <summary>
/// A real SMTP server (the SmtpServer package) on 127.0.0.1 and a free port, started and stopped by the test. Every
/// message that reaches DATA is handed to a script that answers it (250, a 4xx, a 5xx); the accepted ones are kept,
/// with the envelope. Optionally it requires a user name and password (AUTH over the loopback connection).
/// </summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(IReadOnlyList<string> Recipients, MimeMessage Message)> _accepted = new();
    private Task _running = Task.CompletedTask;
    private int _attempts = -1;

    private SmtpTestServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>Messages accepted (answered 250), in order, with their envelope recipients.</summary>
    public IReadOnlyList<(IReadOnlyList<string> Recipients, MimeMessage Message)> Accepted => [.. _accepted];

    /// <summary>Messages that reached DATA, accepted or not.</summary>
    public int Attempts => Volatile.Read(ref _attempts) + 1;

    /// <summary>Starts a server; <paramref name="answer"/> gets the 0-based index of each message that reaches DATA (null: always 250).</summary>
    public static async Task<SmtpTestServer> StartAsync(Func<int, SmtpResponse>? answer = null, (string User, string Password)? credentials = null)
    {
        var server = new SmtpTestServer(LensAI.Testing.LoopbackPort.Free());
        var options = new SmtpServerOptionsBuilder()
            .ServerName("lensai-test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, server.Port)).AllowUnsecureAuthentication().AuthenticationRequired(credentials is not null))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(server, answer ?? (_ => SmtpResponse.Ok)));
        if (credentials is { } c)
        {
            services.Add(new Authenticator(c.User, c.Password));
        }

        var smtp = new SmtpServer.SmtpServer(options, services);
        server._running = smtp.StartAsync(server._stop.Token);
        await WaitListeningAsync(server.Port);
        return server;
    }

    /// <summary>Polls until the port accepts a connection, with a deadline (no sleeps to "let it start").</summary>
    internal static async Task WaitListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Store(SmtpTestServer server, Func<int, SmtpResponse> answer) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var response = answer(Interlocked.Increment(ref server._attempts));
            if (response.ReplyCode == SmtpReplyCode.Ok)
            {
                using var stream = new MemoryStream(buffer.ToArray());
                var message = await MimeMessage.LoadAsync(stream, cancellationToken);
                server._accepted.Enqueue(([.. transaction.To.Select(m => m.User + "@" + m.Host)], message));
            }

            return response;
        }
    }

    private sealed class Authenticator(string user, string password) : UserAuthenticator
    {
        public override Task<bool> AuthenticateAsync(ISessionContext context, string user1, string password1, CancellationToken cancellationToken)
            => Task.FromResult(user1 == user && password1 == password);
    }
}

/// <summary>A TCP listener on loopback that accepts each connection and closes it at once (a server dropping the connection).</summary>
internal sealed class ClosingListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public ClosingListener()
    {
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    client.Client.Close(0);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
