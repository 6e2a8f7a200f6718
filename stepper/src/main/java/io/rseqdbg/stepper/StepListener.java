package io.rseqdbg.stepper;

/** Consumes the stepper's events; called on the tracer thread, so keep it cheap. */
@FunctionalInterface
public interface StepListener {

    void on(StepEvent event);

    default StepListener andThen(StepListener next) {
        return e -> {
            on(e);
            next.on(e);
        };
    }
}
