package io.openkruise.agents.localcluster.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code String} that receives the test namespace: a parameter under {@link
 * WithLocalCluster}, or a field of a Quarkus test using {@code LocalClusterTestResource}.
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TestNamespace {}
