//! Ping-pong: the driver writes pings on a stream it made and passed to
//! the library; the library answers each on a stream of its own; each
//! reply is read before the next ping is written.
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-ping-pong-driver" });

use meld_test::async_streams::echo;

struct Driver;

impl Guest for Driver {
    async fn run() {
        let (mut pings, pings_rx) = wit_stream::new::<String>();
        let mut pongs = echo::pong(pings_rx).await;
        for ping in ["ping", "straße", "", "ωω"] {
            assert!(pings.write_one(ping.to_string()).await.is_none());
            let reply = pongs.next().await;
            println!("sent {ping:?}, got {reply:?}");
        }
        let big = "xyz".repeat(20_000);
        assert!(pings.write_one(big).await.is_none());
        let reply = pongs.next().await.unwrap_or_default();
        println!(
            "sent 60000 bytes, got {} bytes: {}...",
            reply.len(),
            &reply[..14]
        );
        drop(pings);
        // The library sees the pings end and says so; then its stream ends.
        println!("after drop: {:?}", pongs.next().await);
        println!("then: {:?}", pongs.next().await);
    }
}

export!(Driver);
