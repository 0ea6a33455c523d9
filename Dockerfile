# One image for every kdml service; MAVEN_PROFILE=cuda swaps in PyTorch's CUDA native library.
FROM maven:3.9-eclipse-temurin-17 AS build
ARG MAVEN_PROFILE=default
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -P ${MAVEN_PROFILE} package

FROM eclipse-temurin:17-jre
WORKDIR /kdml
COPY --from=build /src/cli/target/kdml-cli.jar /kdml/kdml-cli.jar
COPY --from=build /src/cli/target/lib /kdml/lib
COPY examples /kdml/examples
ENV DJL_CACHE_DIR=/kdml/.djl-cache OPT_OUT_TRACKING=true \
    MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_ARENA_MAX=1
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-Dkdml.home=/kdml", "-cp", "/kdml/kdml-cli.jar:/kdml/lib/*", "org.kdml.cli.Kdml"]
