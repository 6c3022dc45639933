//! The training examples' table: test accuracy before training, then per epoch the
//! training loss and accuracy, the test accuracy and the wall time so far.

use neurodyn::train::{EventDataset, Trainer};

pub fn train_and_report(
    trainer: &mut Trainer,
    train: &EventDataset,
    test: &EventDataset,
    epochs: u32,
) -> Result<(), neurodyn::Error> {
    println!(
        "{:>6} {:>11} {:>10} {:>10} {:>9}",
        "epoch", "train loss", "train", "test", "seconds"
    );
    let start = std::time::Instant::now();
    let before = trainer.test(test)?;
    println!(
        "{:>6} {:>11} {:>10} {:>9.1}% {:>9.1}",
        0,
        "",
        "",
        100.0 * before.accuracy(),
        start.elapsed().as_secs_f64()
    );
    for epoch in 1..=epochs {
        let r = trainer.train_epoch(train)?;
        let t = trainer.test(test)?;
        println!(
            "{:>6} {:>11.4} {:>9.1}% {:>9.1}% {:>9.1}",
            epoch,
            r.loss,
            100.0 * r.accuracy(),
            100.0 * t.accuracy(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
